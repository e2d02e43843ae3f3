package dev.limiter.samples.kotlin

import dev.limiter.LimiterClock
import kotlinx.coroutines.runBlocking

/**
 * Runs every Kotlin example on the system clock, each under a `==` heading; about three
 * seconds of real waiting. `./mvnw -q -pl samples/kotlin-examples -am package -DskipTests exec:java`
 */
fun main(): Unit = runBlocking {
    println("== use {}")
    firstLimiter()
    println("== queueRequest with priorities")
    burstWithPriorities(LimiterClock.SYSTEM)
    println("== queued back-off")
    queuedBackoff(LimiterClock.SYSTEM)
    println("== leaky bucket smoothing")
    leakySmoothing(LimiterClock.SYSTEM)
    println("== scopeByKey")
    perDeveloper(LimiterClock.SYSTEM)
}
