package io.graphmailer.domain.job;

import java.time.Duration;

/**
 * Where per-recipient rows come from: a JSON array of objects fetched over HTTPS, without
 * authentication or with a managed-identity token for {@code scope}. Each row yields one message to
 * the address in {@code addressField} (and the display name in {@code nameField}, if set).
 */
public record DataSource(String url, Auth auth, String scope, Duration timeout, String addressField, String nameField) {
    public enum Auth { NONE, MANAGED_IDENTITY }
}
