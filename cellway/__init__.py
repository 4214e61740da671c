"""Cellway: runs a cell-therapy clinic from first inquiry to years of follow-up."""
