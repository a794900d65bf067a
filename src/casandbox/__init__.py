"""A local emulator of ChannelAdvisor's REST API, run as its own process.

The order manager never imports this package: the two meet over HTTP only. Tests and benchmarks use
`casandbox.testing` to start a sandbox and to drive its control API.
"""
