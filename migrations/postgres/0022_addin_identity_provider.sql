-- The identity provider whose app registration the Outlook add-in signs in with (Office's nested app
-- authentication): `addin` marks it (at most one enabled provider), `addin_scopes` are the scopes the pane asks
-- for (the API's, e.g. api://mailroom.example.com/<client id>/access_as_user).
ALTER TABLE oidc_providers ADD COLUMN addin BIGINT NOT NULL DEFAULT 0 CHECK (addin IN (0, 1));
ALTER TABLE oidc_providers ADD COLUMN addin_scopes TEXT NOT NULL DEFAULT '[]';
