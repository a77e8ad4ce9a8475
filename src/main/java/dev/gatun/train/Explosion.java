package dev.gatun.train;

/**
 * Why a run stopped as diverged: where (step, epoch, batch), at which learning rate, and what went wrong — the
 * loss or a named parameter tensor turned NaN/±Inf, or the loss rose above {@code limit} (a multiple of the first
 * loss).
 */
public record Explosion(long step, int epoch, int batch, double learningRate, double loss, double limit, String tensor,
                        String reason) {

    public String message() {
        return String.format(java.util.Locale.ROOT,
                "training diverged at step %d (epoch %d, batch %d, learning rate %.3g): %s", step, epoch, batch,
                learningRate, reason);
    }
}
