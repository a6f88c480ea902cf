-- Sign-up answers the same whether or not an email has an account. For a taken email the route
-- still makes one durable write (so its timing matches a real sign-up): it counts the attempt
-- here, and remembers when the owner was last told, so they are told at most once a day.
ALTER TABLE users ADD COLUMN registration_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN registration_notice_at_ms BIGINT;
