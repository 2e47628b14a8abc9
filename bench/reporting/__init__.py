"""The benchmark's report (bench/report.py is its command line), by job:

  counts   upstream calls counted from nginx's access log or the simulator's request log, and the
           check that each turn made the calls it should
  results  loading run.sh's JSON lines, and the figures computed from them
  host     the machine and the tools' versions
  static   the tables of parts (a) and (b): each kind of request in each API dialect beside its
           direct baseline
  streams  parts (c) and (d): streaming cost by reply size, and the paced stream
  compare  parts (e) and (f): the original Python gateway and stack-floor beside ours
  targets  the project's targets, measured
  texts    the method paragraphs
  write    the whole Markdown report
"""
