package dev.gatun.serve.example;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not completed a request's line and headers within the deadline of its opening, or
 * of the last request whose headers it completed. The idle timeout restarts with every byte, so it never stopped a
 * client that sent one header byte a second: 512 of them (the connection limit) kept every other client out.
 * An idle keep-alive connection meets its idle timeout as before.
 */
final class HeaderDeadline implements Connection.Listener {
    private final Scheduler scheduler;
    private final long millis;
    private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

    HeaderDeadline(Scheduler scheduler, long millis) {
        this.scheduler = scheduler;
        this.millis = millis;
    }

    @Override
    public void onOpened(Connection connection) {
        watch(connection, connection.getMessagesIn());
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task task = pending.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }

    private void watch(Connection connection, long requestsSeen) {
        pending.put(connection, scheduler.schedule(() -> check(connection, requestsSeen), millis, TimeUnit.MILLISECONDS));
    }

    private void check(Connection connection, long requestsSeen) {
        if (!pending.containsKey(connection)) {
            return;   // closed meanwhile
        }
        long requests = connection.getMessagesIn();
        if (requests == requestsSeen) {
            pending.remove(connection);
            connection.getEndPoint().close();
        } else {
            watch(connection, requests);
        }
    }
}
