"""Video: colorize clips frame by frame through the one rendering path, with stable colors.

``streams`` reads and writes video files with PyAV (frames stream in and out; audio and subtitles
are copied), ``flow`` wraps OpenCV's optical flow, ``stabilize`` carries each frame's chroma along
the flow from the previous output (reset at scene cuts), ``colorize`` joins them, ``metrics``
measures flicker (warp error, CDC) and ``synthetic`` makes test clips from photos. PyAV and OpenCV
are optional (``pip install "colorzoo[video]"``) and imported only when a video is touched.
"""
