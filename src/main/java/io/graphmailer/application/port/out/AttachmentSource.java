package io.graphmailer.application.port.out;

/** Reads a job's attachment from its location (classpath:, file: or https:). */
public interface AttachmentSource {

    /** @throws RecipientRowSource.SourceException when it cannot be read */
    byte[] read(String location);
}
