"""The sandbox's own API under /_sandbox/: not part of ChannelAdvisor's, no auth, no latency or faults."""
