package io.graphmailer.standin;

/**
 * Token-endpoint errors of the identity stand-in. Wire texts follow /work/shared/reference/microsoft-wire-formats.md
 * section 1; entries marked "unverified" there (or not listed there) are noted in the stand-in README.
 * Placeholders: {@code {clientId}}, {@code {tenant}}, {@code {scope}}, {@code {resource}}, {@code {detail}}.
 */
public enum AadError {

    /** Key not registered (or removed): the exact shape of a rotated-away certificate. */
    KEY_NOT_FOUND(401, "invalid_client", 700027,
            "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used"
                    + " by client: '{detail}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph"
                    + " to see configured keys for app Id '{clientId}'. Review the documentation at"
                    + " https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints"
                    + " to learn about configuring keys. For more information, see https://aka.ms/msal-certificate-keys.]"),
    /** The key is registered but the signature does not verify with it. */
    SIGNATURE_INVALID(401, "invalid_client", 700027,
            "Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the"
                    + " signature failed., Thumbprint of key used by client: '{detail}', Found key 'Start=..., End=...',"
                    + " Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys"
                    + " for app Id '{clientId}'.]"),
    /** The registered key's certificate has expired. */
    KEY_EXPIRED(401, "invalid_client", 700027,
            "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used"
                    + " by client: '{detail}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to"
                    + " see configured keys for app Id '{clientId}'.]"),
    APPLICATION_NOT_FOUND(400, "unauthorized_client", 700016,
            "Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the"
                    + " application has not been installed by the administrator of the tenant or consented to by any"
                    + " user in the tenant. You may have sent your authentication request to the wrong tenant."),
    ASSERTION_TIME_RANGE(401, "invalid_client", 700024,
            "Client assertion is not within its valid time range. {detail} Review the documentation at"
                    + " https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."),
    ASSERTION_AUDIENCE(401, "invalid_client", 700023,
            "Client assertion audience claim does not match Realm issuer. Review the documentation at"
                    + " https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."),
    ASSERTION_SUBJECT(401, "invalid_client", 700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at"
                    + " https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."),
    ASSERTION_MALFORMED(401, "invalid_client", 50027, "JWT token is invalid or malformed."),
    MISSING_CLIENT_CREDENTIAL(401, "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
    INVALID_SCOPE(400, "invalid_scope", 70011,
            "The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid."),
    RESOURCE_NOT_FOUND(400, "invalid_resource", 500011,
            "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the"
                    + " application has not been installed by the administrator of the tenant or consented to by any"
                    + " user in the tenant. You might have sent your authentication request to the wrong tenant."),
    TENANT_NOT_FOUND(400, "invalid_request", 90002,
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the"
                    + " correct cloud. Check with your subscription administrator, this may happen if there are no"
                    + " active subscriptions for the tenant."),
    MISSING_PARAMETER(400, "invalid_request", 900144,
            "The request body must contain the following parameter: '{detail}'."),
    UNSUPPORTED_GRANT_TYPE(400, "unsupported_grant_type", 70003,
            "The app requested an unsupported grant type '{detail}'."),
    CLIENT_SECRET_NOT_ACCEPTED(401, "invalid_client", 7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value,"
                    + " not the client secret ID, for a secret added to app '{clientId}'.");

    private final int status;
    private final String error;
    private final int code;
    private final String template;

    AadError(int status, String error, int code, String template) {
        this.status = status;
        this.error = error;
        this.code = code;
        this.template = template;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public int code() {
        return code;
    }

    /** {@code AADSTSnnnn: message} with the placeholders filled in (no trace lines). */
    String describe(String clientId, String tenant, String scope, String resource, String detail) {
        return "AADSTS" + code + ": " + template
                .replace("{clientId}", String.valueOf(clientId))
                .replace("{tenant}", String.valueOf(tenant))
                .replace("{scope}", String.valueOf(scope))
                .replace("{resource}", String.valueOf(resource))
                .replace("{detail}", detail == null ? "" : detail);
    }
}
