"""Flask adapter: Meta webhook receiver and the Facebook Login connect flow."""
