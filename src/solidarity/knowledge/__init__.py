"""Knowledge: shared guidelines and experience, the vaccine R&D landscape and public-health measures."""
