"""The wideband scanner's core: detection (`detect`), conditioning into the model-input
convention (`condition`), the scanner that joins them to a classifier (`scanner`), and
synthetic wideband scenes to measure it on (`scene`). No GNU Radio."""
