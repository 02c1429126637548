package io.graphmailer.standin;

import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The TLS socket of the SMTP stand-in after STARTTLS, with one change to what the server reads: SubEthaSMTP refuses
 * command lines over 998 characters (a constant of its line reader), but an {@code AUTH XOAUTH2} line carrying an
 * access token is about 2 KB, and Exchange accepts it. Such a line's payload is handed to the XOAUTH2 handler out of
 * band ({@code shorten} returns a short reference) and the server reads {@code AUTH XOAUTH2 <reference>}. Every
 * other byte passes unchanged.
 */
final class LongAuthLineSocket extends SSLSocket {
    private static final int LONGEST_LINE = 900;
    private static final String AUTH_XOAUTH2 = "AUTH XOAUTH2 ";

    private final SSLSocket tls;
    private final InputStream in;

    LongAuthLineSocket(SSLSocket tls, UnaryOperator<String> shorten) throws IOException {
        this.tls = tls;
        this.in = new AuthLineFilter(tls.getInputStream(), shorten);
    }

    private static final class AuthLineFilter extends InputStream {
        private final InputStream source;
        private final UnaryOperator<String> shorten;
        private byte[] line = new byte[0];
        private int position;

        AuthLineFilter(InputStream source, UnaryOperator<String> shorten) {
            this.source = source;
            this.shorten = shorten;
        }

        @Override
        public int read() throws IOException {
            if (position == line.length && !nextLine()) {
                return -1;
            }
            return line[position++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position == line.length && !nextLine()) {
                return -1;
            }
            int n = Math.min(len, line.length - position);
            System.arraycopy(line, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return line.length - position;
        }

        private boolean nextLine() throws IOException {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int c;
            while ((c = source.read()) != -1) {
                buffer.write(c);
                if (c == '\n') {
                    break;
                }
            }
            byte[] bytes = buffer.toByteArray();
            if (bytes.length == 0) {
                return false;
            }
            if (bytes.length > LONGEST_LINE) {
                String text = new String(bytes, StandardCharsets.ISO_8859_1);
                if (text.toUpperCase(Locale.ROOT).startsWith(AUTH_XOAUTH2)) {
                    String payload = text.substring(AUTH_XOAUTH2.length()).strip();
                    bytes = (AUTH_XOAUTH2 + shorten.apply(payload) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                }
            }
            line = bytes;
            position = 0;
            return true;
        }
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    // ---------------------------------------------------------------- everything else is the TLS socket's

    @Override public OutputStream getOutputStream() throws IOException { return tls.getOutputStream(); }
    @Override public void close() throws IOException { tls.close(); }
    @Override public boolean isClosed() { return tls.isClosed(); }
    @Override public boolean isConnected() { return tls.isConnected(); }
    @Override public boolean isInputShutdown() { return tls.isInputShutdown(); }
    @Override public boolean isOutputShutdown() { return tls.isOutputShutdown(); }
    @Override public void shutdownInput() throws IOException { tls.shutdownInput(); }
    @Override public void shutdownOutput() throws IOException { tls.shutdownOutput(); }
    @Override public InetAddress getInetAddress() { return tls.getInetAddress(); }
    @Override public InetAddress getLocalAddress() { return tls.getLocalAddress(); }
    @Override public int getPort() { return tls.getPort(); }
    @Override public int getLocalPort() { return tls.getLocalPort(); }
    @Override public SocketAddress getRemoteSocketAddress() { return tls.getRemoteSocketAddress(); }
    @Override public SocketAddress getLocalSocketAddress() { return tls.getLocalSocketAddress(); }
    @Override public void setSoTimeout(int timeout) throws SocketException { tls.setSoTimeout(timeout); }
    @Override public int getSoTimeout() throws SocketException { return tls.getSoTimeout(); }
    @Override public void setTcpNoDelay(boolean on) throws SocketException { tls.setTcpNoDelay(on); }
    @Override public boolean getTcpNoDelay() throws SocketException { return tls.getTcpNoDelay(); }
    @Override public String[] getSupportedCipherSuites() { return tls.getSupportedCipherSuites(); }
    @Override public String[] getEnabledCipherSuites() { return tls.getEnabledCipherSuites(); }
    @Override public void setEnabledCipherSuites(String[] suites) { tls.setEnabledCipherSuites(suites); }
    @Override public String[] getSupportedProtocols() { return tls.getSupportedProtocols(); }
    @Override public String[] getEnabledProtocols() { return tls.getEnabledProtocols(); }
    @Override public void setEnabledProtocols(String[] protocols) { tls.setEnabledProtocols(protocols); }
    @Override public SSLSession getSession() { return tls.getSession(); }
    @Override public SSLSession getHandshakeSession() { return tls.getHandshakeSession(); }
    @Override public SSLParameters getSSLParameters() { return tls.getSSLParameters(); }
    @Override public void setSSLParameters(SSLParameters params) { tls.setSSLParameters(params); }
    @Override public void addHandshakeCompletedListener(HandshakeCompletedListener l) { tls.addHandshakeCompletedListener(l); }
    @Override public void removeHandshakeCompletedListener(HandshakeCompletedListener l) { tls.removeHandshakeCompletedListener(l); }
    @Override public void startHandshake() throws IOException { tls.startHandshake(); }
    @Override public void setUseClientMode(boolean mode) { tls.setUseClientMode(mode); }
    @Override public boolean getUseClientMode() { return tls.getUseClientMode(); }
    @Override public void setNeedClientAuth(boolean need) { tls.setNeedClientAuth(need); }
    @Override public boolean getNeedClientAuth() { return tls.getNeedClientAuth(); }
    @Override public void setWantClientAuth(boolean want) { tls.setWantClientAuth(want); }
    @Override public boolean getWantClientAuth() { return tls.getWantClientAuth(); }
    @Override public void setEnableSessionCreation(boolean flag) { tls.setEnableSessionCreation(flag); }
    @Override public boolean getEnableSessionCreation() { return tls.getEnableSessionCreation(); }
    @Override public String getApplicationProtocol() { return tls.getApplicationProtocol(); }
    @Override public String getHandshakeApplicationProtocol() { return tls.getHandshakeApplicationProtocol(); }
    @Override public String toString() { return "LongAuthLineSocket[" + tls + "]"; }
}
