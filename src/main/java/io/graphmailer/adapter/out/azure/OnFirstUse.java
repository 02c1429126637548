package io.graphmailer.adapter.out.azure;

import java.util.function.Supplier;

/**
 * A value made on first use, by whichever thread asks first (Azure clients built, queues or tables created if
 * missing); a failed making (storage unreachable) is tried again on the next use; afterwards it is read without a lock.
 */
public final class OnFirstUse<T> implements Supplier<T> {
    private final Supplier<T> make;
    private volatile T value;

    public OnFirstUse(Supplier<T> make) {
        this.make = make;
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = make.get();
                    value = v;
                }
            }
        }
        return v;
    }
}
