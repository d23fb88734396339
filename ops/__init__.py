"""Operations: the health and readiness endpoints and the Prometheus metrics of the platform."""
