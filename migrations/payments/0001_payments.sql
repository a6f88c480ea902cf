-- The payments module's store. Card numbers and CVCs are never stored: a card is kept as brand,
-- last4, expiry and a keyed fingerprint only. Money is integer minor units + ISO 4217 currency.

-- One payment per order: the UNIQUE constraint, not only the code, makes a second charge of an
-- order impossible.
CREATE TABLE payments (
  payment_id             TEXT PRIMARY KEY,
  order_id               TEXT NOT NULL UNIQUE,
  user_id                TEXT NOT NULL,
  event_id               TEXT NOT NULL,
  reservation_ids        TEXT NOT NULL DEFAULT '[]',  -- JSON array of ids
  items                  TEXT NOT NULL DEFAULT '[]',  -- JSON array of PaidItem
  amount                 BIGINT NOT NULL,
  currency               TEXT NOT NULL,
  status                 TEXT NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Failed',
                                                         'Refunded', 'PartiallyRefunded', 'ChargedBack')),
  payment_method_type    TEXT NOT NULL,
  gateway                TEXT NOT NULL,
  gateway_transaction_id TEXT,
  failure_reason         TEXT,
  failure_detail         TEXT,
  fraud_score            INTEGER NOT NULL DEFAULT 0,
  processed_at           BIGINT,           -- Unix ms: when the charge completed or failed
  ip_address             TEXT NOT NULL DEFAULT '',
  user_agent             TEXT NOT NULL DEFAULT '',
  card_brand             TEXT,
  card_last4             TEXT,
  card_exp_month         INTEGER,
  card_exp_year          INTEGER,
  card_fingerprint       TEXT,
  card_holder_name       TEXT,
  card_token             TEXT,             -- the in-memory vault's token (worthless after a restart)
  correlation_id         TEXT NOT NULL DEFAULT '',
  attempts               INTEGER NOT NULL DEFAULT 0,
  next_attempt_at        BIGINT NOT NULL DEFAULT 0,  -- Unix ms: when the processor looks at it again
  void_reason            TEXT,             -- a VoidPayment/RefundPayment arrived before the charge ended
  void_refund_id         TEXT,             -- the refund id to use when such a charge completes anyway
  charged_back_amount    BIGINT NOT NULL DEFAULT 0,
  charged_back_at        BIGINT,
  created_at             BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL
);
CREATE INDEX payments_due ON payments (status, next_attempt_at) WHERE status IN ('Pending', 'Processing');
CREATE INDEX payments_user ON payments (user_id, created_at);
CREATE INDEX payments_card ON payments (card_fingerprint, created_at) WHERE card_fingerprint IS NOT NULL;
CREATE INDEX payments_event ON payments (event_id, processed_at);

CREATE TABLE refunds (
  refund_id       TEXT PRIMARY KEY,  -- chosen by the sender of RefundPayment, or generated
  payment_id      TEXT NOT NULL REFERENCES payments (payment_id),
  amount          BIGINT NOT NULL,
  currency        TEXT NOT NULL,
  seats           TEXT NOT NULL DEFAULT '[]',  -- JSON array of ReturnedSeats
  reason          TEXT NOT NULL,
  -- Failed: the gateway knows no charge to refund; Cancelled: a chargeback came first.
  status          TEXT NOT NULL CHECK (status IN ('Pending', 'Completed', 'Failed', 'Cancelled')),
  origin          TEXT NOT NULL DEFAULT 'admin' CHECK (origin IN ('admin', 'void', 'command')),
  requested_by    TEXT NOT NULL,
  correlation_id  TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  failure_reason  TEXT,             -- Pending: why the last attempt failed (it is retried)
  created_at      BIGINT NOT NULL,
  completed_at    BIGINT
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_due ON refunds (status, next_attempt_at) WHERE status = 'Pending';

-- Webhook event ids already handled, per gateway: a replayed webhook is acknowledged and ignored.
CREATE TABLE webhook_events (
  gateway     TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (gateway, event_id)
);

-- Generated development secrets (fingerprint key, webhook secrets) when none is configured.
CREATE TABLE payments_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- NOT the module's own data: the bookkeeping of the SIMULATED remote gateways (what "Stripe",
-- "PayPal" and "the bank" would keep on their side), so that a status query after a kill -9
-- answers truthfully and a charge with a known idempotency key is never made twice. A real
-- gateway integration drops this table.
CREATE TABLE simulated_gateway_ledger (
  gateway         TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,  -- the payment id (charge) or the refund id (refund)
  kind            TEXT NOT NULL CHECK (kind IN ('charge', 'refund')),
  amount          BIGINT NOT NULL,
  currency        TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('Succeeded', 'Declined', 'Settling')),
  decline_reason  TEXT,
  transaction_id  TEXT NOT NULL,
  settles_at      BIGINT,         -- bank transfers: Unix ms when the settlement arrives
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (gateway, idempotency_key)
);
