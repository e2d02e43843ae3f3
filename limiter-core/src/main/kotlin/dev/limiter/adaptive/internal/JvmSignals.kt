package dev.limiter.adaptive.internal

import dev.limiter.adaptive.LoadSignal
import java.lang.management.ManagementFactory
import java.lang.management.MemoryType
import java.time.Duration

/** CPU load from the JVM's operating-system bean; [read] answers negative values when unknown. */
internal class CpuSignal(private val read: () -> Double) : LoadSignal {
    override fun load(): Double = read().let { if (it.isNaN() || it < 0.0) 0.0 else it }

    override fun toString(): String = "LoadSignal.cpu()"

    companion object {
        fun system(): CpuSignal {
            val bean = ManagementFactory.getOperatingSystemMXBean()
            // com.sun.management is in every JDK the project builds on (HotSpot, OpenJ9); without it, the load average per core.
            if (bean is com.sun.management.OperatingSystemMXBean) return CpuSignal { bean.cpuLoad }
            return CpuSignal { bean.systemLoadAverage / bean.availableProcessors }
        }
    }
}

/**
 * Heap in use after the last collection over the heap's maximum (its committed size when it
 * has no maximum): [afterGc] sums the heap pools' collection usage.
 */
internal class HeapSignal(private val afterGc: () -> Long, private val max: () -> Long) : LoadSignal {
    override fun load(): Double {
        val limit = max()
        return if (limit <= 0) 0.0 else afterGc().toDouble() / limit
    }

    override fun toString(): String = "LoadSignal.heap()"

    companion object {
        fun jvm(): HeapSignal {
            val pools = ManagementFactory.getMemoryPoolMXBeans().filter { it.type == MemoryType.HEAP }
            val memory = ManagementFactory.getMemoryMXBean()
            return HeapSignal(
                afterGc = { pools.sumOf { it.collectionUsage?.used ?: 0L } },
                max = { memory.heapMemoryUsage.let { if (it.max > 0) it.max else it.committed } },
            )
        }
    }
}

/** The highest load of [signals]; passes responses on to those that take them. */
internal class MaxSignal(private val signals: List<LoadSignal>) : LoadSignal, ResponseFeed {
    override fun load(): Double = signals.maxOf { it.load() }

    override fun record(duration: Duration, failed: Boolean) {
        for (signal in signals) (signal as? ResponseFeed)?.record(duration, failed)
    }

    override fun toString(): String = "LoadSignal.max(${signals.joinToString(", ")})"
}
