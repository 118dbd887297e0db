-- How many records share each e-mail, phone, domain and normalized name (GET /api/v1/duplicates, issue 14): kept by
-- triggers on the tables that hold those values, whatever writes them (API, import, merge, mail linking), so that
-- the likely duplicates start from the few repeated values instead of a self-join over every value.
CREATE TABLE duplicate_keys (
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (kind, reason, value)
);
CREATE INDEX duplicate_keys_repeated ON duplicate_keys (kind, reason, value) WHERE n > 1;

INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'contact', 'email', email, COUNT(*) FROM contact_emails GROUP BY email;
INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'contact', 'phone', phone_norm, COUNT(*) FROM contact_phones GROUP BY phone_norm;
INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'company', 'domain', domain, COUNT(*) FROM company_domains GROUP BY domain;
INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'company', 'name', name_norm, COUNT(*) FROM companies GROUP BY name_norm;
INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'lead', 'email', email, COUNT(*) FROM leads WHERE email IS NOT NULL GROUP BY email;
INSERT INTO duplicate_keys (kind, reason, value, n)
SELECT 'lead', 'phone', phone_norm, COUNT(*) FROM leads WHERE phone_norm IS NOT NULL GROUP BY phone_norm;

-- contact_emails.email
CREATE TRIGGER duplicate_keys_contact_email_add AFTER INSERT ON contact_emails BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('contact', 'email', NEW.email, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_contact_email_drop AFTER DELETE ON contact_emails BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'contact' AND reason = 'email' AND value = OLD.email;
END;
CREATE TRIGGER duplicate_keys_contact_email_change AFTER UPDATE OF email ON contact_emails
WHEN OLD.email IS NOT NEW.email BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'contact' AND reason = 'email' AND value = OLD.email;
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('contact', 'email', NEW.email, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;

-- contact_phones.phone_norm
CREATE TRIGGER duplicate_keys_contact_phone_add AFTER INSERT ON contact_phones BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('contact', 'phone', NEW.phone_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_contact_phone_drop AFTER DELETE ON contact_phones BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'contact' AND reason = 'phone' AND value = OLD.phone_norm;
END;
CREATE TRIGGER duplicate_keys_contact_phone_change AFTER UPDATE OF phone_norm ON contact_phones
WHEN OLD.phone_norm IS NOT NEW.phone_norm BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'contact' AND reason = 'phone' AND value = OLD.phone_norm;
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('contact', 'phone', NEW.phone_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;

-- company_domains.domain
CREATE TRIGGER duplicate_keys_company_domain_add AFTER INSERT ON company_domains BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('company', 'domain', NEW.domain, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_company_domain_drop AFTER DELETE ON company_domains BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'company' AND reason = 'domain' AND value = OLD.domain;
END;
CREATE TRIGGER duplicate_keys_company_domain_change AFTER UPDATE OF domain ON company_domains
WHEN OLD.domain IS NOT NEW.domain BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'company' AND reason = 'domain' AND value = OLD.domain;
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('company', 'domain', NEW.domain, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;

-- companies.name_norm
CREATE TRIGGER duplicate_keys_company_name_add AFTER INSERT ON companies BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('company', 'name', NEW.name_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_company_name_drop AFTER DELETE ON companies BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'company' AND reason = 'name' AND value = OLD.name_norm;
END;
CREATE TRIGGER duplicate_keys_company_name_change AFTER UPDATE OF name_norm ON companies
WHEN OLD.name_norm IS NOT NEW.name_norm BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'company' AND reason = 'name' AND value = OLD.name_norm;
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('company', 'name', NEW.name_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;

-- leads.email and leads.phone_norm (nullable: a missing value is no key)
CREATE TRIGGER duplicate_keys_lead_email_add AFTER INSERT ON leads WHEN NEW.email IS NOT NULL BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('lead', 'email', NEW.email, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_lead_email_drop AFTER DELETE ON leads WHEN OLD.email IS NOT NULL BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'lead' AND reason = 'email' AND value = OLD.email;
END;
CREATE TRIGGER duplicate_keys_lead_email_change_old AFTER UPDATE OF email ON leads
WHEN OLD.email IS NOT NEW.email AND OLD.email IS NOT NULL BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'lead' AND reason = 'email' AND value = OLD.email;
END;
CREATE TRIGGER duplicate_keys_lead_email_change_new AFTER UPDATE OF email ON leads
WHEN OLD.email IS NOT NEW.email AND NEW.email IS NOT NULL BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('lead', 'email', NEW.email, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_lead_phone_add AFTER INSERT ON leads WHEN NEW.phone_norm IS NOT NULL BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('lead', 'phone', NEW.phone_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER duplicate_keys_lead_phone_drop AFTER DELETE ON leads WHEN OLD.phone_norm IS NOT NULL BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'lead' AND reason = 'phone' AND value = OLD.phone_norm;
END;
CREATE TRIGGER duplicate_keys_lead_phone_change_old AFTER UPDATE OF phone_norm ON leads
WHEN OLD.phone_norm IS NOT NEW.phone_norm AND OLD.phone_norm IS NOT NULL BEGIN
    UPDATE duplicate_keys SET n = n - 1 WHERE kind = 'lead' AND reason = 'phone' AND value = OLD.phone_norm;
END;
CREATE TRIGGER duplicate_keys_lead_phone_change_new AFTER UPDATE OF phone_norm ON leads
WHEN OLD.phone_norm IS NOT NEW.phone_norm AND NEW.phone_norm IS NOT NULL BEGIN
    INSERT INTO duplicate_keys (kind, reason, value, n) VALUES ('lead', 'phone', NEW.phone_norm, 1)
    ON CONFLICT (kind, reason, value) DO UPDATE SET n = n + 1;
END;
