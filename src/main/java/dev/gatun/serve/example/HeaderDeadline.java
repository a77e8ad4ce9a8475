package dev.gatun.serve.example;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection on which bytes arrived during two whole periods of the deadline in a row while no request's line
 * and headers completed: the idle timeout restarts with every byte, so it never stopped a client that sent one header
 * byte a second, and 512 of them (the connection limit) kept every other client out. The check runs once a period,
 * so such a client is closed between two and three periods after it began.
 *
 * <p>Two periods, not one: Jetty counts a request when its headers complete, so the rest of its body arriving after
 * a check looked, in one period, like bytes without a request, and an idle keep-alive connection was closed at the
 * next check. A body cannot take a whole period (the body timeout is at most the deadline). A connection on which
 * nothing arrives is left to the idle timeout: keep-alive between requests is not cut short.
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
        watch(connection, connection.getMessagesIn(), connection.getBytesIn(), false);
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task task = pending.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }

    /** {@code struck}: the last period saw bytes and no completed request. */
    private void watch(Connection connection, long requestsSeen, long bytesSeen, boolean struck) {
        pending.put(connection, scheduler.schedule(() -> check(connection, requestsSeen, bytesSeen, struck), millis,
                TimeUnit.MILLISECONDS));
    }

    private void check(Connection connection, long requestsSeen, long bytesSeen, boolean struck) {
        if (!pending.containsKey(connection)) {
            return;   // closed meanwhile
        }
        long requests = connection.getMessagesIn();
        long bytes = connection.getBytesIn();
        boolean strike = requests == requestsSeen && bytes != bytesSeen;
        if (strike && struck) {
            pending.remove(connection);
            connection.getEndPoint().close();
        } else {
            watch(connection, requests, bytes, strike);
        }
        if (!connection.getEndPoint().isOpen()) {
            onClosed(connection);   // closed between the look-up and the new watch: do not keep it a period longer
        }
    }
}
