#include <xfront/netback.h>
