-- Payments: placeholder so the store exists; the payments module's schema replaces this file.
CREATE TABLE payments_placeholder (id TEXT PRIMARY KEY);
