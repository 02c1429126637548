package io.graphmailer.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ClientCredentialParameters;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalServiceException;
import org.jose4j.jws.AlgorithmIdentifiers;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/** Client-side helpers for the stand-in tests: MSAL4J apps, raw token requests, a plain JDK HTTP client. */
final class StandinClients {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandinClients() {
    }

    /** The builder calls production uses: certificate credential + {@code oidcAuthority}. */
    static ConfidentialClientApplication msal(Standins standins, StandinPki.ClientCertificate certificate)
            throws IOException {
        return ConfidentialClientApplication.builder(standins.clientId(),
                        ClientCredentialFactory.createFromCertificate(certificate.privateKey(),
                                certificate.certificate()))
                .oidcAuthority(standins.oidcAuthority())
                .build();
    }

    static IAuthenticationResult acquire(ConfidentialClientApplication app, String scope) throws Exception {
        try {
            return app.acquireToken(ClientCredentialParameters.builder(Set.of(scope)).build()).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    static MsalServiceException acquireFailure(ConfidentialClientApplication app, String scope) {
        try {
            acquire(app, scope);
        } catch (MsalServiceException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected MsalServiceException, got " + e, e);
        }
        throw new AssertionError("expected the token request to fail");
    }

    /** A client assertion built by hand (for the cases MSAL never produces). */
    static String assertion(StandinPki.ClientCertificate signer, X509Certificate thumbprintOf, String algorithm,
                            String thumbprintHeader, String audience, String issuer, Instant nbf, Instant exp) {
        String digest = "x5t#S256".equals(thumbprintHeader) ? "SHA-256" : "SHA-1";
        String thumbprint = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(StandinPki.digest(digest, StandinPki.der(thumbprintOf)));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", audience);
        claims.put("iss", issuer);
        claims.put("sub", issuer);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("nbf", nbf.getEpochSecond());
        claims.put("exp", exp.getEpochSecond());
        return Jwts.sign(claims, Map.of(thumbprintHeader, thumbprint), signer.privateKey(), algorithm);
    }

    static String assertion(Standins standins, StandinPki.ClientCertificate signer) {
        Instant now = Instant.now();
        return assertion(signer, signer.certificate(), AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "x5t#S256",
                standins.tokenUrl(), standins.clientId(), now, now.plusSeconds(600));
    }

    static HttpResponse<String> postForm(String url, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> clientCredentialsForm(Standins standins, String assertion, String scope) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", standins.clientId());
        form.put("scope", scope);
        form.put("client_assertion_type", IdentityPlatformStandin.CLIENT_ASSERTION_TYPE);
        form.put("client_assertion", assertion);
        form.put("grant_type", "client_credentials");
        return form;
    }

    static JsonNode json(String body) throws IOException {
        return StandinServer.JSON.readTree(body);
    }

    static Map<String, Object> claims(String jwt) {
        String payload = jwt.split("\\.")[1];
        return Jwts.parseJsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    }

    static Map<String, Object> header(String jwt) {
        String header = jwt.split("\\.")[0];
        return Jwts.parseJsonObject(new String(Base64.getUrlDecoder().decode(header), StandardCharsets.UTF_8));
    }
}
