"""Thin routes: parse, call one service, convert."""
