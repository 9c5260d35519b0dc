"""The stages, in order: config -> load -> annotate -> pages -> render -> write -> search.

Each stage imports only model/ and the stages before it."""
