-- Orders: placeholder so the store exists; the orders module's schema replaces this file.
CREATE TABLE orders_placeholder (id TEXT PRIMARY KEY);
