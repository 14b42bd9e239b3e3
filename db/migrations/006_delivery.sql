-- Delivery you can reason about (README "Alerts: what exactly once means").

-- The message's stable id, shared by its rows (one per target): sent as the email
-- Message-ID and as message_id in webhook payloads, so a receiver can drop a repeat.
ALTER TABLE notifications ADD COLUMN message_id TEXT;
-- set just before a send, cleared when it ends: still set means the attempt was interrupted
ALTER TABLE notifications ADD COLUMN attempt_started TEXT;
-- attempts whose outcome is unknown (timeout after sending, interrupted); at 2: uncertain
ALTER TABLE notifications ADD COLUMN uncertain_attempts INTEGER NOT NULL DEFAULT 0;

UPDATE notifications SET message_id = '<' || lower(hex(randomblob(16))) || '@monitor>'
WHERE message_id IS NULL;

-- Target keys were an unsalted SHA-256 of the URL (password included): erase them where no
-- retry needs them; pending rows get their keyed hash (HMAC) the next time they are sent.
UPDATE notifications SET target_key = '' WHERE status <> 'pending';
