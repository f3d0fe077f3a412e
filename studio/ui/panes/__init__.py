"""The four panes of the main window: prompt, gallery, wardrobe editor and 3D preview."""
