package dev.limiter.internal

import dev.limiter.LimitPolicy

/**
 * Sliding window log: at most `limit` permits in any window of the policy's length, exactly.
 *
 * State: the granted requests as `(time, permits)` entries, oldest first, in a ring buffer
 * (requests granted in the same microsecond share one entry). An entry stops counting once
 * `now >= time + window`. A refused request's wait is the time until enough of the oldest
 * entries have expired to make room.
 */
internal class SlidingWindowLog(policy: LimitPolicy) : Bucket(policy) {
    private val window = policy.rate.periodMicros
    private val limit = policy.capacity
    private var times = LongArray(4)
    private var counts = LongArray(4)
    private var head = 0
    private var size = 0
    private var sum = 0L

    override fun evaluate(now: Long, permits: Long, commit: Boolean) {
        while (size > 0 && times[head] <= now - window) {
            sum -= counts[head]
            head = (head + 1) % times.size
            size--
        }
        allowed = sum + permits <= limit
        if (allowed && commit && permits > 0) append(now, permits)
        retryAfter = if (allowed) 0 else waitForRoom(now, sum + permits - limit)
        resetAfter = if (size == 0) 0 else maxOf(0, newest() + window - now)
        remaining = maxOf(0, limit - sum)
        tokens = remaining.toDouble()
    }

    override fun idleAt(): Long = if (size == 0) Long.MIN_VALUE else newest() + window

    override fun carriedTo(policy: LimitPolicy, now: Long): Bucket = SlidingWindowLog(policy).also {
        // The log holds absolute times, so its entries count under any window. What is left
        // stays left (up to the new limit): the oldest entry grows or shrinks by the change of
        // limit, so the difference expires with it.
        it.times = times
        it.counts = counts
        it.head = head
        it.size = size
        it.sum = sum
        it.shiftOldest(it.limit - limit)
    }

    private fun shiftOldest(change: Long) {
        if (change > 0 && size > 0) {
            counts[head] += change
            sum += change
        }
        var drop = -change
        while (drop > 0 && size > 0) {
            val taken = minOf(drop, counts[head])
            counts[head] -= taken
            sum -= taken
            drop -= taken
            if (counts[head] == 0L) {
                head = (head + 1) % times.size
                size--
            }
        }
    }

    private fun newest(): Long = times[(head + size - 1) % times.size]

    private fun waitForRoom(now: Long, needed: Long): Long {
        var freed = 0L
        for (i in 0 until size) {
            val at = (head + i) % times.size
            freed += counts[at]
            if (freed >= needed) return times[at] + window - now
        }
        error("permits exceed the limit; validated before reaching the bucket")
    }

    private fun append(now: Long, permits: Long) {
        sum += permits
        if (size > 0) {
            val last = (head + size - 1) % times.size
            // A clock that reads earlier than the newest entry still appends in order.
            if (times[last] >= now) {
                counts[last] += permits
                return
            }
        }
        if (size == times.size) grow()
        val at = (head + size) % times.size
        times[at] = now
        counts[at] = permits
        size++
    }

    private fun grow() {
        val newTimes = LongArray(times.size * 2)
        val newCounts = LongArray(times.size * 2)
        for (i in 0 until size) {
            newTimes[i] = times[(head + i) % times.size]
            newCounts[i] = counts[(head + i) % times.size]
        }
        times = newTimes
        counts = newCounts
        head = 0
    }
}
