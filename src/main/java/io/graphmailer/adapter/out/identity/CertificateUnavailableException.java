package io.graphmailer.adapter.out.identity;

/** The certificate could not be read; {@code code} names the cause for the operators. */
public class CertificateUnavailableException extends RuntimeException {
    private final String code;
    private final boolean transientFault;

    public CertificateUnavailableException(String code, String message, Throwable cause) {
        this(code, message, cause, false);
    }

    public CertificateUnavailableException(String code, String message, Throwable cause, boolean transientFault) {
        super(message, cause);
        this.code = code;
        this.transientFault = transientFault;
    }

    public String code() {
        return code;
    }

    /** True when trying again later may help (vault unreachable), false when someone must act. */
    public boolean isTransient() {
        return transientFault;
    }
}
