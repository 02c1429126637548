package io.graphmailer.adapter.in.dev;

import io.graphmailer.application.port.in.SendMailUseCase;
import io.graphmailer.application.port.out.JobMailQueue;
import io.graphmailer.domain.TrackingId;
import org.jboss.logging.Logger;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DEV AND TEST ONLY ({@code graph-mailer.jobs.enqueue=direct}): there is no outbox queue in the dev
 * profile, so job mail is handed straight to the send use case (the local .eml outbox). An in-memory
 * set of idempotency keys stands in for the send ledger, so a repeated occurrence is still sent once
 * per process. Refused at startup outside dev and test.
 */
public final class DevDirectJobMailQueue implements JobMailQueue {
    private static final Logger LOG = Logger.getLogger(DevDirectJobMailQueue.class);
    private static final int REMEMBERED_KEYS = 100_000;

    private final SendMailUseCase sendMail;
    private final JobMailQueue envelopeRules;
    private final Set<String> sentKeys = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<String, Boolean>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_KEYS;
        }
    }));

    /** @param envelopeRules the real queue's checks (message size), so dev refuses what production would */
    public DevDirectJobMailQueue(SendMailUseCase sendMail, JobMailQueue envelopeRules) {
        this.sendMail = sendMail;
        this.envelopeRules = envelopeRules;
    }

    @Override
    public void check(JobMail mail) {
        envelopeRules.check(mail);
    }

    @Override
    public void enqueue(List<JobMail> batch) {
        for (JobMail mail : batch) {
            if (!sentKeys.add(mail.idempotencyKey())) {
                LOG.infof("dev direct send: %s already sent in this process; skipped", mail.idempotencyKey());
                continue;
            }
            String trackingId = TrackingId.fromIdempotencyKey(mail.idempotencyKey());
            sendMail.send(mail.command(), trackingId, mail.origin());
            LOG.infof("dev direct send (no queue): %s as %s", mail.idempotencyKey(), trackingId);
        }
    }
}
