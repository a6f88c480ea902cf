-- The offline sync asks, per scan, whether the same scan is recorded already and how many scans a
-- ticket has (a bound per ticket): both look a ticket's scans up.
CREATE INDEX checkins_by_ticket ON checkins (ticket_id, scanned_at);
