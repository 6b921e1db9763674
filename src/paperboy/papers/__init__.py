"""The paper record, merging, storing and listing."""
