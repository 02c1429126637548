package io.graphmailer.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BlobAllowlistTest {
    private final BlobAllowlist allowlist = new BlobAllowlist(List.of("https://Contoso.blob.core.windows.net/mail-attachments"));

    @Test
    void givenBlobInTheAllowedContainer_thenAllowedWhateverTheHostCase() {
        assertThat(allowlist.whyNot("https://contoso.blob.core.windows.net/mail-attachments/2026/q3.pdf")).isNull();
        assertThat(allowlist.whyNot("HTTPS://CONTOSO.blob.core.windows.net/mail-attachments/q3.pdf")).isNull();
    }

    @Test
    void givenOtherContainersHostsOrTricks_thenRefused() {
        assertThat(List.of(
                "https://contoso.blob.core.windows.net/mail-attachments-evil/q3.pdf", // a longer container name
                "https://contoso.blob.core.windows.net/mail-attachments/",             // the container itself
                "https://contoso.blob.core.windows.net/mail-attachments/../other/q3.pdf",
                "https://contoso.blob.core.windows.net/mail-attachments/%2e%2e%2fother/q3.pdf",
                "https://contoso.blob.core.windows.net/Mail-Attachments/q3.pdf",        // container names are case-sensitive
                "https://contoso.blob.core.windows.net/mail-attachments/q3.pdf?sv=2024&sig=x",
                "https://user@contoso.blob.core.windows.net/mail-attachments/q3.pdf",
                "https://contoso.blob.core.windows.net.evil.example/mail-attachments/q3.pdf",
                "http://contoso.blob.core.windows.net/mail-attachments/q3.pdf",
                "http://169.254.169.254/metadata/identity/oauth2/token",
                "file:///etc/passwd",
                "not a url"))
                .allSatisfy(url -> assertThat(allowlist.whyNot(url)).as(url).isNotNull());
    }

    @Test
    void givenEncodedDotsSlashesOrBackslashes_thenRefusedBeforeAnyPrefixComparison() {
        String base = "https://contoso.blob.core.windows.net/mail-attachments/";
        assertThat(List.of(base + "%2e%2e/other/q3.pdf", base + ".%2e/q3.pdf", base + "%2E./q3.pdf", base + "a%2Fb.pdf",
                base + "a%5cb.pdf", base + "%c0%ae%c0%ae/q3.pdf", base + "q3.pdf%", base + "./q3.pdf", base + "a\\b.pdf"))
                .allSatisfy(url -> assertThat(allowlist.whyNot(url)).as(url).isNotNull());
    }

    @Test
    void givenAnAllowedLocation_thenTheCanonicalFormIsDecodedAndReEncoded() {
        assertThat(allowlist.canonical("https://CONTOSO.blob.core.windows.net:443/mail-attachments/%41%20b+c.pdf"))
                .hasToString("https://contoso.blob.core.windows.net/mail-attachments/A%20b%2Bc.pdf");
        assertThat(allowlist.canonical("https://contoso.blob.core.windows.net/mail-attachments/%252e%252e/x.pdf"))
                .as("a literal '%2e%2e' blob name stays inside the container")
                .hasToString("https://contoso.blob.core.windows.net/mail-attachments/%252e%252e/x.pdf");
    }

    @Test
    void givenNoPrefixes_thenReferencesAreRefusedSayingHowToEnableThem() {
        assertThat(BlobAllowlist.NONE.whyNot("https://contoso.blob.core.windows.net/mail-attachments/q3.pdf"))
                .contains("GRAPH_MAILER_ATTACHMENTS_ALLOWED_BLOB_PREFIXES");
    }
}
