-- What a portal session may see and set. `feature_flags`: the feature flags of a portal access
-- (Svix's `featureFlags`), a JSON list kept by the sessions made from it; an event type carrying a
-- flag the session lacks is hidden from it. `allow_retry_schedule`: whether the application's portal
-- sessions may set an endpoint's own retry schedule (the operator always may).
ALTER TABLE portal_grants ADD COLUMN feature_flags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE portal_settings ADD COLUMN allow_retry_schedule INTEGER NOT NULL DEFAULT 0;
