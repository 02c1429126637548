package io.graphmailer.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.aad.msal4j.ClientCredentialFactory;
import com.microsoft.aad.msal4j.ConfidentialClientApplication;
import com.microsoft.aad.msal4j.IAuthenticationResult;
import com.microsoft.aad.msal4j.MsalServiceException;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.graphmailer.standin.StandinClients.acquire;
import static io.graphmailer.standin.StandinClients.acquireFailure;
import static io.graphmailer.standin.StandinClients.assertion;
import static io.graphmailer.standin.StandinClients.clientCredentialsForm;
import static io.graphmailer.standin.StandinClients.json;
import static io.graphmailer.standin.StandinClients.msal;
import static io.graphmailer.standin.StandinClients.postForm;
import static org.assertj.core.api.Assertions.assertThat;

class IdentityPlatformStandinTest {

    private static final String GRAPH_SCOPE = "https://graph.microsoft.com/.default";

    private Standins standins;
    private IdentityPlatformStandin identity;

    @BeforeEach
    void reset() {
        standins = Standins.shared();
        standins.reset();
        identity = standins.identity();
    }

    @AfterEach
    void noStrayRequests() {
        assertThat(identity.unmatchedRequests()).isEmpty();
    }

    @Test
    void givenRegisteredCertificate_whenMsalAcquiresGraphToken_thenAppTokenCarriesMailSendRole() throws Exception {
        IAuthenticationResult result = acquire(msal(standins, standins.clientCertificate()), GRAPH_SCOPE);

        Map<String, Object> claims = StandinClients.claims(result.accessToken());
        assertThat(claims).containsEntry("aud", "https://graph.microsoft.com")
                .containsEntry("iss", "https://sts.windows.net/" + Standins.TENANT_ID + "/")
                .containsEntry("tid", Standins.TENANT_ID)
                .containsEntry("appid", Standins.CLIENT_ID)
                .containsEntry("oid", Standins.SERVICE_PRINCIPAL_OID)
                .containsEntry("idtyp", "app")
                .containsEntry("ver", "1.0")
                .containsEntry("roles", List.of("Mail.Send"))
                .containsKeys("iat", "nbf", "exp");
        assertThat(StandinClients.header(result.accessToken()))
                .containsEntry("alg", "RS256").containsEntry("kid", identity.keyId());
    }

    @Test
    void givenMsal_whenItSignsTheAssertion_thenItHasSha256ThumbprintAndTokenUrlAudience() throws Exception {
        acquire(msal(standins, standins.clientCertificate()), GRAPH_SCOPE);

        IdentityPlatformStandin.ClientAssertionSeen seen = identity.lastAssertion();
        // MSAL4J 1.26.1 signs RS256 (SHA256withRSA); later versions sign PS256: the stand-in accepts both
        assertThat(seen.algorithm()).isIn("RS256", "PS256");
        assertThat(seen.thumbprintHeader()).isEqualTo("x5t#S256");
        assertThat(seen.claims()).containsEntry("aud", standins.tokenUrl())
                .containsEntry("iss", Standins.CLIENT_ID).containsEntry("sub", Standins.CLIENT_ID)
                .containsKeys("jti", "nbf", "exp");
    }

    @Test
    void givenOidcAuthority_when50AcquireTokenCalls_thenExactlyOneTokenRequest() throws Exception {
        ConfidentialClientApplication app = msal(standins, standins.clientCertificate());

        for (int i = 0; i < 50; i++) {
            acquire(app, GRAPH_SCOPE);
        }

        assertThat(identity.tokenRequests(Standins.CLIENT_ID, GRAPH_SCOPE)).isEqualTo(1);
        assertThat(identity.tokenRequests()).isEqualTo(1);
        assertThat(identity.metadataRequests()).isEqualTo(1);
    }

    @Test
    void givenClassicAuthorityWithPort_whenAcquiringTwice_thenEachCallFetchesAToken() throws Exception {
        // Why production uses oidcAuthority: with authority(...) on a non-443 port the cache never hits.
        ConfidentialClientApplication app = ConfidentialClientApplication.builder(Standins.CLIENT_ID,
                        ClientCredentialFactory.createFromCertificate(standins.clientCertificate().privateKey(),
                                standins.clientCertificate().certificate()))
                .authority(standins.authority() + "/")
                .instanceDiscovery(false)
                .validateAuthority(false)
                .build();

        acquire(app, GRAPH_SCOPE);
        acquire(app, GRAPH_SCOPE);

        assertThat(identity.tokenRequests(Standins.CLIENT_ID, GRAPH_SCOPE)).isEqualTo(2);
    }

    @Test
    void givenOidcAuthority_whenAcquiringToken_thenEveryConnectionGoesToTheStandin() throws Exception {
        List<URI> connections = new CopyOnWriteArrayList<>();
        ProxySelector original = ProxySelector.getDefault();
        ProxySelector.setDefault(new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                connections.add(uri);
                return List.of(Proxy.NO_PROXY);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress address, IOException e) {
            }
        });
        try {
            acquire(msal(standins, standins.clientCertificate()), GRAPH_SCOPE);
        } finally {
            ProxySelector.setDefault(original);
        }

        assertThat(connections).isNotEmpty().allSatisfy(uri -> assertThat(uri.getHost()).isEqualTo("login.localhost"));
    }

    @Test
    void givenUnregisteredCertificate_whenMsalAcquiresToken_thenInvalidClient700027() throws Exception {
        StandinPki.ClientCertificate stranger = StandinPki.newClientCertificate("not registered");

        MsalServiceException failure = acquireFailure(msal(standins, stranger), GRAPH_SCOPE);

        assertThat(failure.statusCode()).isEqualTo(401);
        assertThat(failure.errorCode()).isEqualTo("invalid_client");
        assertThat(failure.getMessage()).contains("AADSTS700027: Client assertion contains an invalid signature.")
                .contains("The key was not found.").contains(Standins.CLIENT_ID);
    }

    @Test
    void givenRotationAndOldCertificateRemoved_thenOldCertificateFailsAndNewOneWorks() throws Exception {
        StandinPki.ClientCertificate old = standins.clientCertificate();
        StandinPki.ClientCertificate rotated = standins.rotateClientCertificate();
        identity.unregisterCertificate(Standins.CLIENT_ID, old.certificate());

        MsalServiceException failure = acquireFailure(msal(standins, old), GRAPH_SCOPE);
        IAuthenticationResult result = acquire(msal(standins, rotated), GRAPH_SCOPE);

        assertThat(failure.getMessage()).contains("AADSTS700027");
        assertThat(result.accessToken()).isNotBlank();
    }

    @Test
    void givenRawRequestWithUnknownKey_thenErrorBodyHasTheEntraShape() throws Exception {
        StandinPki.ClientCertificate stranger = StandinPki.newClientCertificate("not registered");

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, assertion(standins, stranger), GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode body = json(response.body());
        assertThat(body.get("error").asText()).isEqualTo("invalid_client");
        assertThat(body.get("error_description").asText())
                .startsWith("AADSTS700027: ")
                .containsPattern("\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\n"
                        + "Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$");
        assertThat(body.get("error_codes").isArray()).isTrue();
        assertThat(body.get("error_codes").get(0).isNumber()).isTrue();
        assertThat(body.get("error_codes").get(0).asInt()).isEqualTo(700027);
        assertThat(body.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ");
        assertThat(body.has("trace_id")).isTrue();
        assertThat(body.has("correlation_id")).isTrue();
    }

    @Test
    void givenRegisteredThumbprintButOtherSigningKey_thenKeyFoundButSignatureFails() throws Exception {
        StandinPki.ClientCertificate forger = StandinPki.newClientCertificate("forger");
        Instant now = Instant.now();
        String forged = assertion(forger, standins.clientCertificate().certificate(),
                AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "x5t#S256", standins.tokenUrl(), Standins.CLIENT_ID,
                now, now.plusSeconds(600));

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, forged, GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).get("error_description").asText())
                .startsWith("AADSTS700027: ").contains("Key was found, but use of the key to verify the signature failed.");
    }

    @Test
    void givenRs256AssertionWithSha1Thumbprint_thenTokenIsIssued() throws Exception {
        Instant now = Instant.now();
        String rs256 = assertion(standins.clientCertificate(), standins.clientCertificate().certificate(),
                AlgorithmIdentifiers.RSA_USING_SHA256, "x5t", standins.tokenUrl(), Standins.CLIENT_ID,
                now, now.plusSeconds(600));

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, rs256, GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").isNumber()).isTrue();
        assertThat(body.get("ext_expires_in").isNumber()).isTrue();
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store, no-cache");
        assertThat(response.headers().firstValue("Pragma")).hasValue("no-cache");
    }

    @Test
    void givenAssertionForAnotherAudience_thenInvalidClient700023() throws Exception {
        Instant now = Instant.now();
        String wrongAudience = assertion(standins.clientCertificate(), standins.clientCertificate().certificate(),
                AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "x5t#S256",
                "https://login.microsoftonline.com/" + Standins.TENANT_ID + "/oauth2/v2.0/token", Standins.CLIENT_ID,
                now, now.plusSeconds(600));

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, wrongAudience, GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).get("error_description").asText()).startsWith("AADSTS700023: ");
    }

    @Test
    void givenAssertionIssuedBySomeoneElse_thenInvalidClient700021() throws Exception {
        Instant now = Instant.now();
        String otherIssuer = assertion(standins.clientCertificate(), standins.clientCertificate().certificate(),
                AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "x5t#S256", standins.tokenUrl(),
                "00000000-0000-0000-0000-000000000001", now, now.plusSeconds(600));

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, otherIssuer, GRAPH_SCOPE));

        assertThat(json(response.body()).get("error_codes").get(0).asInt()).isEqualTo(700021);
    }

    @Test
    void givenExpiredAssertion_thenInvalidClient700024() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        String expired = assertion(standins.clientCertificate(), standins.clientCertificate().certificate(),
                AlgorithmIdentifiers.RSA_PSS_USING_SHA256, "x5t#S256", standins.tokenUrl(), Standins.CLIENT_ID,
                past, past.plusSeconds(600));

        HttpResponse<String> response = postForm(standins.tokenUrl(),
                clientCredentialsForm(standins, expired, GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).get("error_description").asText())
                .startsWith("AADSTS700024: Client assertion is not within its valid time range. Current time: ");
    }

    @Test
    void givenStandinClockBeyondMsalAssertionLifetime_whenMsalAcquiresToken_thenAssertionTimeRangeError() {
        identity.clockOffset(Duration.ofMinutes(20));

        MsalServiceException failure = acquireFailure(msalUnchecked(), GRAPH_SCOPE);

        assertThat(failure.errorCode()).isEqualTo("invalid_client");
        assertThat(failure.getMessage()).contains("AADSTS700024");
    }

    @Test
    void givenScopeThatIsNotDotDefault_thenInvalidScope70011() {
        MsalServiceException failure = acquireFailure(msalUnchecked(), "https://graph.microsoft.com/Mail.Send");

        assertThat(failure.statusCode()).isEqualTo(400);
        assertThat(failure.errorCode()).isEqualTo("invalid_scope");
        assertThat(failure.getMessage()).contains("AADSTS70011");
    }

    @Test
    void givenTwoResourcesInScope_thenInvalidScope70011() throws Exception {
        HttpResponse<String> response = postForm(standins.tokenUrl(), clientCredentialsForm(standins,
                assertion(standins, standins.clientCertificate()),
                GRAPH_SCOPE + " https://outlook.office365.com/.default"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).get("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void givenExchangeScope_thenTokenAudienceIsExchangeAndRolesAreThoseGrantedThere() throws Exception {
        identity.grantRoles(Standins.CLIENT_ID, IdentityPlatformStandin.EXCHANGE_RESOURCE, Set.of("SMTP.SendAsApp"));

        IAuthenticationResult result = acquire(msalUnchecked(), "https://outlook.office365.com/.default");

        assertThat(StandinClients.claims(result.accessToken()))
                .containsEntry("aud", "https://outlook.office365.com")
                .containsEntry("roles", List.of("SMTP.SendAsApp"));
    }

    @Test
    void givenConsentMissing_thenTokenHasNoRolesClaim() throws Exception {
        identity.consentMissing(Standins.CLIENT_ID, true);

        IAuthenticationResult result = acquire(msalUnchecked(), GRAPH_SCOPE);

        assertThat(StandinClients.claims(result.accessToken())).doesNotContainKey("roles");
    }

    @ParameterizedTest
    @EnumSource(value = AadError.class,
            names = {"APPLICATION_NOT_FOUND", "MISSING_CLIENT_CREDENTIAL", "ASSERTION_TIME_RANGE", "INVALID_SCOPE",
                    "KEY_NOT_FOUND"})
    void givenForcedError_whenMsalAcquiresToken_thenMsalSurfacesIt(AadError error) {
        identity.failNext(1, error);

        MsalServiceException failure = acquireFailure(msalUnchecked(), GRAPH_SCOPE);

        assertThat(failure.statusCode()).isEqualTo(error.status());
        assertThat(failure.errorCode()).isEqualTo(error.error());
        assertThat(failure.getMessage()).contains("AADSTS" + error.code() + ": ");
    }

    @Test
    void givenUnknownTenant_thenTenantNotFound90002() throws Exception {
        String otherTenant = "00000000-0000-0000-0000-0000000000aa";

        HttpResponse<String> response = postForm(identity.tokenUrl(otherTenant),
                clientCredentialsForm(standins, assertion(standins, standins.clientCertificate()), GRAPH_SCOPE));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).get("error_codes").get(0).asInt()).isEqualTo(90002);
    }

    @Test
    void givenShortTokenLifetime_thenExpiresInFollowsAndMsalFetchesAgain() throws Exception {
        identity.tokenLifetime(Duration.ofSeconds(60));
        ConfidentialClientApplication app = msalUnchecked();

        IAuthenticationResult first = acquire(app, GRAPH_SCOPE);
        acquire(app, GRAPH_SCOPE);

        long secondsLeft = Duration.between(Instant.now(), first.expiresOnDate().toInstant()).toSeconds();
        assertThat(secondsLeft).isBetween(50L, 60L);
        // MSAL refreshes tokens that expire within 5 minutes, so a 60 s token is never served from the cache
        assertThat(identity.tokenRequests(Standins.CLIENT_ID, GRAPH_SCOPE)).isEqualTo(2);
    }

    private ConfidentialClientApplication msalUnchecked() {
        try {
            return msal(standins, standins.clientCertificate());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
