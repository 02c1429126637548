package io.graphmailer.domain;

public enum BodyType {
    TEXT, HTML
}
