-- Files answering an application form's file questions (issue 16): the
-- same rules as proposals' attachments — PDF, PNG or JPEG judged by their
-- content, at most 768 KB each — stored with the application, in the same
-- transaction, and gone with it.
CREATE TABLE call_files (
    application_id  BIGINT NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    field_key       TEXT NOT NULL,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size            INTEGER NOT NULL,
    data            BYTEA NOT NULL,
    PRIMARY KEY (application_id, field_key)
);
