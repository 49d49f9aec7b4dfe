package org.pmult.server.testing;

import java.util.ArrayList;
import java.util.List;

/** What a test opened (servers, milters, connections), closed when it ends, newest first. */
public final class ClosedAtEnd implements AutoCloseable {

    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Closes {@code resource} when the test ends, before what was added earlier; returns it. */
    public <T extends AutoCloseable> T add(T resource) {
        opened.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }
}
