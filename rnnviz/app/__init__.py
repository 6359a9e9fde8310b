"""The app's support code: sessions, the Train form, links, the trainer queue, server limits.

The only part of the package that may import streamlit; the library never imports it."""
