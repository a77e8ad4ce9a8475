package dev.gatun.serve.example;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection on which bytes arrived during a whole period of the deadline while no request's line and
 * headers completed: the idle timeout restarts with every byte, so it never stopped a client that sent one header
 * byte a second, and 512 of them (the connection limit) kept every other client out. The check runs once a period,
 * so such a client is closed between one and two periods after it began.
 *
 * <p>Except in the period right after one in which a request completed: Jetty counts a request when its headers
 * complete, so the rest of its body arriving after a check looked like bytes without a request, and the idle
 * keep-alive connection after it was closed at the next check. A body cannot take a whole period (the body timeout
 * is at most the deadline), so that grace lets no trickle through: a client that completes no request gets none.
 * A connection on which nothing arrives is left to the idle timeout: keep-alive between requests is not cut short.
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

    /** {@code completed}: a request completed in the period before this one, whose body may still be arriving. */
    private void watch(Connection connection, long requestsSeen, long bytesSeen, boolean completed) {
        pending.put(connection, scheduler.schedule(() -> check(connection, requestsSeen, bytesSeen, completed), millis,
                TimeUnit.MILLISECONDS));
    }

    private void check(Connection connection, long requestsSeen, long bytesSeen, boolean completedBefore) {
        if (!pending.containsKey(connection)) {
            return;   // closed meanwhile
        }
        long requests = connection.getMessagesIn();
        long bytes = connection.getBytesIn();
        boolean completed = requests != requestsSeen;
        if (!completed && bytes != bytesSeen && !completedBefore) {
            pending.remove(connection);
            connection.getEndPoint().close();
        } else {
            watch(connection, requests, bytes, completed);
        }
        if (!connection.getEndPoint().isOpen()) {
            onClosed(connection);   // closed between the look-up and the new watch: do not keep it a period longer
        }
    }
}
