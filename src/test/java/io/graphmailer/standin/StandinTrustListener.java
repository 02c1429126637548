package io.graphmailer.standin;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Writes the stand-ins' truststore before the first test class of the JVM is loaded, so that the JVM's
 * default {@code SSLContext} (created lazily, once) finds the test CA at {@code javax.net.ssl.trustStore}.
 * Registered in {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}.
 */
public final class StandinTrustListener implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        StandinPki.ensureTrustMaterial();
    }
}
