"""SparseNN's low-rank output-sparsity predictor: model, end-to-end training, report."""
