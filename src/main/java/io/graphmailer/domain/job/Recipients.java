package io.graphmailer.domain.job;

import io.graphmailer.domain.EmailAddress;

import java.util.List;

/** Who a job writes to: a fixed list (one message, split when too long), or one message per data-source row. */
public sealed interface Recipients {

    record Static(List<EmailAddress> to, List<EmailAddress> cc, List<EmailAddress> bcc) implements Recipients {
        public Static {
            to = List.copyOf(to);
            cc = List.copyOf(cc);
            bcc = List.copyOf(bcc);
        }

        public int count() {
            return to.size() + cc.size() + bcc.size();
        }
    }

    record PerRow(DataSource source) implements Recipients {
    }
}
