package io.graphmailer.domain;

public enum Importance {
    LOW, NORMAL, HIGH
}
