"""What people use: the command line, the web page's HTML, and the accounts of a shared server."""
