-- Admin overrides of the shipped notification templates (modules/notifications/templates/).
-- One row per (type, channel, language) ever overridden. DELETE through the API keeps the row
-- with overridden = 0 so its version keeps counting: an ETag taken before a reset never matches
-- again.
CREATE TABLE notification_template_overrides (
  type TEXT NOT NULL,
  channel TEXT NOT NULL,
  language TEXT NOT NULL,
  overridden INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  html TEXT NOT NULL DEFAULT '',
  variants TEXT NOT NULL DEFAULT '[]',  -- JSON: [{"id","weight","subject"?,"text"?,"html"?}]
  version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,           -- Unix milliseconds
  updated_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (type, channel, language)
);
