"""The registry: organizations, their members and skills, grid cells, places and the gazetteer."""
