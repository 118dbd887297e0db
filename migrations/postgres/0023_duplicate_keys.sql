-- How many records share each e-mail, phone, domain and normalized name (GET /api/v1/duplicates, issue 14): kept by
-- triggers on the tables that hold those values, whatever writes them (API, import, merge, mail linking), so that
-- the likely duplicates start from the few repeated values instead of a self-join over every value.
CREATE TABLE duplicate_keys (
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL,
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

-- One function for every table: the trigger's arguments are the kind, the reason and the column holding the value
-- (a NULL value is no key).
CREATE FUNCTION duplicate_keys_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_value TEXT;
    new_value TEXT;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_value := to_jsonb(OLD) ->> TG_ARGV[2];
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_value := to_jsonb(NEW) ->> TG_ARGV[2];
    END IF;
    IF old_value IS NOT DISTINCT FROM new_value THEN
        RETURN NULL;
    END IF;
    IF old_value IS NOT NULL THEN
        UPDATE duplicate_keys SET n = n - 1
         WHERE kind = TG_ARGV[0] AND reason = TG_ARGV[1] AND value = old_value;
    END IF;
    IF new_value IS NOT NULL THEN
        INSERT INTO duplicate_keys (kind, reason, value, n) VALUES (TG_ARGV[0], TG_ARGV[1], new_value, 1)
        ON CONFLICT (kind, reason, value) DO UPDATE SET n = duplicate_keys.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER duplicate_keys_contact_email AFTER INSERT OR UPDATE OR DELETE ON contact_emails
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('contact', 'email', 'email');
CREATE TRIGGER duplicate_keys_contact_phone AFTER INSERT OR UPDATE OR DELETE ON contact_phones
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('contact', 'phone', 'phone_norm');
CREATE TRIGGER duplicate_keys_company_domain AFTER INSERT OR UPDATE OR DELETE ON company_domains
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('company', 'domain', 'domain');
CREATE TRIGGER duplicate_keys_company_name AFTER INSERT OR UPDATE OR DELETE ON companies
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('company', 'name', 'name_norm');
CREATE TRIGGER duplicate_keys_lead_email AFTER INSERT OR UPDATE OR DELETE ON leads
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('lead', 'email', 'email');
CREATE TRIGGER duplicate_keys_lead_phone AFTER INSERT OR UPDATE OR DELETE ON leads
FOR EACH ROW EXECUTE FUNCTION duplicate_keys_count('lead', 'phone', 'phone_norm');
