package io.graphmailer.domain;

/**
 * One finding of the doctor: what was checked, how it went, and when it failed what to fix and who
 * does it (the app team, or the email / identity / infrastructure team).
 */
public record DiagnosticCheck(String name, Status status, String detail, String fix, String owner) {
    public enum Status { OK, WARN, FAIL, SKIPPED }

    public static DiagnosticCheck ok(String name, String detail) {
        return new DiagnosticCheck(name, Status.OK, detail, null, null);
    }

    public static DiagnosticCheck skipped(String name, String why) {
        return new DiagnosticCheck(name, Status.SKIPPED, why, null, null);
    }

    public static DiagnosticCheck warn(String name, String detail, String fix, String owner) {
        return new DiagnosticCheck(name, Status.WARN, detail, fix, owner);
    }

    public static DiagnosticCheck fail(String name, String detail, String fix, String owner) {
        return new DiagnosticCheck(name, Status.FAIL, detail, fix, owner);
    }
}
