package dev.limiter.redis
internal object Placeholder
