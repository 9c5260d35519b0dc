"""What runs the pipeline: the builder, its caches, the worker processes and `sitegen check`."""
