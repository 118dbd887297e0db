-- Indexes the list pages' benchmark (issue 14, BENCHMARKS.md "List pages") showed missing.
-- Likely duplicate leads (GET /api/v1/duplicates) self-join leads on phone_norm and email. When most leads have no
-- phone (or no e-mail), the statistics of the full indexes count the NULLs as one huge value, and SQLite's planner
-- then pairs every lead with every later one (O(n²): 206 s on 50 000 leads). Indexes of the set values only keep the
-- join an index lookup whatever the share of NULLs.
CREATE INDEX leads_phone_set ON leads (phone_norm) WHERE phone_norm IS NOT NULL;
CREATE INDEX leads_email_set ON leads (email) WHERE email IS NOT NULL;
-- Contacts' self-join on e-mail reads the other contact's id from the index instead of the table.
CREATE INDEX contact_emails_pair ON contact_emails (email, contact_id);
-- `sort=name` on contacts walks the index (a salesperson's page stops after their first 50) instead of sorting all.
CREATE INDEX contacts_name ON contacts (name, id);
